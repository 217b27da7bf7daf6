output "vm_id" {
  value = azurerm_windows_virtual_machine.this.id
}

output "data_disk_ids" {
  value = { for key, disk in azurerm_managed_disk.data : key => disk.id }
}
