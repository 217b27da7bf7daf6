"""Adapters: one per provider or input format, each mapping evaluated resources to the model."""
from . import azurerm, hyperv, vsphere

TERRAFORM_ADAPTERS = (azurerm, vsphere, hyperv)
