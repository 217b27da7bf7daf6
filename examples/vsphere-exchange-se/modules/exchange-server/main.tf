resource "vsphere_virtual_machine" "this" {
  name               = var.name
  resource_pool_id   = var.resource_pool_id
  host_system_id     = var.host_system_id
  datastore_id       = var.os_datastore_id
  guest_id           = var.guest_id
  num_cpus           = var.num_cpus
  memory             = var.memory_mb
  memory_reservation = var.memory_mb
  annotation         = "role=exchange-mailbox; owner=messaging-team"

  network_interface {
    network_id = var.network_id
  }

  disk {
    label            = "os"
    size             = 200
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
    label            = "log01"
    unit_number      = 2
    size             = 256
    datastore_id     = var.log_datastore_id
    thin_provisioned = false
    eagerly_scrub    = true
  }

  cdrom {
    datastore_id = var.iso_datastore_id
    path         = var.install_iso
  }
}
