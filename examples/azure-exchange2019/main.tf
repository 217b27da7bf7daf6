# Exchange 2019 CU15 DAG on Azure IaaS: two mailbox servers on Windows Server 2022, built from one
# module. The tag exchange-version tells exvlint which version's rules apply.
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

locals {
  common_tags = {
    environment      = var.environment
    owner            = "messaging-team"
    exchange-version = var.exchange_version
  }
}

resource "azurerm_resource_group" "exchange" {
  name     = "rg-exchange-${var.environment}"
  location = var.location
  tags     = local.common_tags
}

resource "azurerm_virtual_network" "exchange" {
  name                = "vnet-exchange-${var.environment}"
  address_space       = ["10.30.0.0/16"]
  location            = azurerm_resource_group.exchange.location
  resource_group_name = azurerm_resource_group.exchange.name
}

resource "azurerm_subnet" "mailbox" {
  name                 = "snet-mailbox"
  resource_group_name  = azurerm_resource_group.exchange.name
  virtual_network_name = azurerm_virtual_network.exchange.name
  address_prefixes     = ["10.30.1.0/24"]
}

module "mailbox" {
  source   = "../azure-exchange/modules/exchange-server" # the same server module as the Exchange 2013 example
  for_each = var.mailbox_servers

  name                = each.key
  size                = each.value.size
  image_sku           = each.value.image_sku
  os_disk_size_gb     = each.value.os_disk_size_gb
  data_disks          = each.value.data_disks
  resource_group_name = azurerm_resource_group.exchange.name
  location            = azurerm_resource_group.exchange.location
  subnet_id           = azurerm_subnet.mailbox.id
  admin_password      = var.admin_password
  tags                = merge(local.common_tags, { role = "exchange-mailbox", dag = var.dag_name })
}
