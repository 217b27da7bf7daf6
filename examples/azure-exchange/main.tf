# Exchange 2013 DAG on Azure IaaS: two mailbox servers per site, built from one module.
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
    environment = var.environment
    owner       = "messaging-team"
  }
}

resource "azurerm_resource_group" "exchange" {
  name     = "rg-exchange-${var.environment}"
  location = var.location
  tags     = local.common_tags
}

resource "azurerm_virtual_network" "exchange" {
  name                = "vnet-exchange-${var.environment}"
  address_space       = ["10.20.0.0/16"]
  location            = azurerm_resource_group.exchange.location
  resource_group_name = azurerm_resource_group.exchange.name
}

resource "azurerm_subnet" "mailbox" {
  name                 = "snet-mailbox"
  resource_group_name  = azurerm_resource_group.exchange.name
  virtual_network_name = azurerm_virtual_network.exchange.name
  address_prefixes     = ["10.20.1.0/24"]
}

module "mailbox" {
  source   = "./modules/exchange-server"
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

# Nightly copy of the first database disk, "just in case".
resource "azurerm_snapshot" "mbx01_db" {
  name                = "snap-exch-mbx-01-db01"
  location            = azurerm_resource_group.exchange.location
  resource_group_name = azurerm_resource_group.exchange.name
  create_option       = "Copy"
  source_uri          = module.mailbox["exch-mbx-01"].data_disk_ids["db01"]
}

# The mailbox subnet's NSG: clients and other mail servers reach Exchange on 25 and 443, and the
# servers deliver outbound mail themselves, straight to the recipients' MX hosts.
resource "azurerm_network_security_group" "mailbox" {
  name                = "nsg-mailbox-${var.environment}"
  location            = azurerm_resource_group.exchange.location
  resource_group_name = azurerm_resource_group.exchange.name
  tags                = local.common_tags

  security_rule {
    name                       = "allow-smtp-in"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "25"
    source_address_prefix      = "Internet"
    destination_address_prefix = "VirtualNetwork"
  }

  security_rule {
    name                       = "allow-https-in"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "VirtualNetwork"
  }

  security_rule {
    name                       = "allow-smtp-out"
    priority                   = 200
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "25"
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "Internet"
  }
}

resource "azurerm_subnet_network_security_group_association" "mailbox" {
  subnet_id                 = azurerm_subnet.mailbox.id
  network_security_group_id = azurerm_network_security_group.mailbox.id
}
