environment = "prod"
location    = "westeurope"

mailbox_servers = {
  "exch-mbx-01" = {
    size = "Standard_E16s_v5"
    data_disks = {
      db01   = { size_gb = 2048, lun = 0 }
      logs01 = { size_gb = 512, lun = 1 }
    }
  }
  "exch-mbx-02" = {
    size            = "Standard_E16s_v5"
    os_disk_size_gb = 128
    data_disks = {
      db01   = { size_gb = 2048, lun = 0 }
      logs01 = { size_gb = 512, lun = 1, type = "StandardSSD_LRS" }
    }
  }
  "exch-mbx-03" = {
    size      = "Standard_E16_v5"
    image_sku = "2019-Datacenter"
    data_disks = {
      db01   = { size_gb = 2048, lun = 0 }
      logs01 = { size_gb = 512, lun = 1 }
    }
  }
}
