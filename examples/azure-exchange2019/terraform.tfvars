environment      = "prod"
location         = "westeurope"
exchange_version = "2019 CU15"

mailbox_servers = {
  "exch19-mbx-01" = {
    size = "Standard_E16s_v5"
    data_disks = {
      db01   = { size_gb = 2048, lun = 0 }
      logs01 = { size_gb = 512, lun = 1 }
    }
  }
  "exch19-mbx-02" = {
    size      = "Standard_E20s_v5"
    image_sku = "2022-datacenter-core-g2"
    data_disks = {
      db01   = { size_gb = 2048, lun = 0 }
      logs01 = { size_gb = 512, lun = 1 }
    }
  }
}
