resource "vsphere_virtual_machine" "this" {
  name               = var.name
  resource_pool_id   = var.resource_pool_id
  host_system_id     = var.host_system_id
  datastore_id       = var.os_datastore_id
  guest_id           = "windows8Server64Guest"
  num_cpus           = var.num_cpus
  memory             = var.memory_mb
  memory_reservation = var.reserve_memory ? var.memory_mb : null
  annotation         = "role=exchange-mailbox; owner=messaging-team"

  network_interface {
    network_id = var.network_id
  }

  disk {
    label            = "os"
    size             = var.os_disk_gb
    thin_provisioned = false
  }

  disk {
    label            = "db01"
    unit_number      = 1
    size             = 2048
    datastore_id     = var.db_datastore_id
    thin_provisioned = false
    eagerly_scrub    = true
  }

  disk {
    label       = "log01"
    unit_number = 2
    size        = 256
    # no datastore_id: the log disk lands on the OS datastore, thin (the provider's default)
  }

  cdrom {
    datastore_id = var.iso_datastore_id
    path         = "ISO/SW_DVD9_Exchange_Server_2013_CU23.iso"
  }
}
