resource "azurerm_network_interface" "this" {
  name                = "nic-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = var.subnet_id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_windows_virtual_machine" "this" {
  name                  = var.name
  computer_name         = upper(var.name)
  location              = var.location
  resource_group_name   = var.resource_group_name
  size                  = var.size
  admin_username        = "exchadmin"
  admin_password        = var.admin_password
  network_interface_ids = [azurerm_network_interface.this.id]
  tags                  = var.tags

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
    disk_size_gb         = var.os_disk_size_gb
  }

  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = var.image_sku
    version   = "latest"
  }
}

resource "azurerm_managed_disk" "data" {
  for_each = var.data_disks

  name                 = "${var.name}-${each.key}"
  location             = var.location
  resource_group_name  = var.resource_group_name
  storage_account_type = each.value.type
  create_option        = "Empty"
  disk_size_gb         = each.value.size_gb
  tags                 = var.tags
}

resource "azurerm_virtual_machine_data_disk_attachment" "data" {
  for_each = var.data_disks

  managed_disk_id    = azurerm_managed_disk.data[each.key].id
  virtual_machine_id = azurerm_windows_virtual_machine.this.id
  lun                = each.value.lun
  caching            = "None"
}

resource "azurerm_virtual_machine_extension" "exchange_setup" {
  name                 = "install-exchange"
  virtual_machine_id   = azurerm_windows_virtual_machine.this.id
  publisher            = "Microsoft.Powershell"
  type                 = "DSC"
  type_handler_version = "2.83"

  settings = jsonencode({
    configuration = {
      url      = "https://example.blob.core.windows.net/dsc/ExchangeInstall.zip"
      script   = "ExchangeInstall.ps1"
      function = "InstallExchange"
    }
  })
}
