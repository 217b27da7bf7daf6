locals {
  gib = 1073741824
}

resource "hyperv_vhd" "os" {
  path     = "${var.vm_root}\\${var.name}\\os.vhdx"
  vhd_type = "Fixed"
  size     = var.os_disk_gib * local.gib
}

resource "hyperv_vhd" "db01" {
  path     = "${var.data_root}\\${var.name}\\db01.vhdx"
  vhd_type = "Dynamic" # a dynamic VHDX is supported for Exchange data
  size     = 2048 * local.gib
}

resource "hyperv_vhd" "log01" {
  path     = "${var.data_root}\\${var.name}\\log01.vhdx"
  vhd_type = "Fixed"
  size     = 256 * local.gib
}

resource "hyperv_machine_instance" "this" {
  name                 = var.name
  generation           = 2
  processor_count      = var.processor_count
  dynamic_memory       = var.dynamic_memory
  static_memory        = !var.dynamic_memory
  memory_startup_bytes = var.memory_gib * local.gib
  memory_maximum_bytes = var.dynamic_memory ? 2 * var.memory_gib * local.gib : null
  checkpoint_type      = "Disabled"
  notes                = "role=exchange-mailbox; dag=DAG01"
  # automatic_stop_action is not set: the provider's default is Save

  vm_firmware {
    boot_order {
      boot_type           = "HardDiskDrive"
      controller_number   = 0
      controller_location = 0
    }
  }

  hard_disk_drives {
    controller_number   = 0
    controller_location = 0
    path                = hyperv_vhd.os.path
  }

  hard_disk_drives {
    controller_number   = 0
    controller_location = 1
    path                = hyperv_vhd.db01.path
  }

  hard_disk_drives {
    controller_number   = 0
    controller_location = 2
    path                = hyperv_vhd.log01.path
  }
}
