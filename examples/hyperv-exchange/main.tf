# Exchange 2013 on two Hyper-V hosts: hv01 (Windows Server 2012 R2) runs the mailbox servers built
# by the module, hv02 (an older Windows Server 2008 R2 host) runs the edge transport server. Several
# settings here break Microsoft's support statement on purpose; `exvlint check
# examples/hyperv-exchange` reports them.
terraform {
  required_providers {
    hyperv = {
      source  = "taliesins/hyperv"
      version = "~> 1.2"
    }
  }
}

provider "hyperv" {
  host     = "hv01.corp.example"
  user     = var.hyperv_user
  password = var.hyperv_password
  https    = true
}

provider "hyperv" {
  alias    = "hv02"
  host     = "hv02.corp.example"
  user     = var.hyperv_user
  password = var.hyperv_password
  https    = true
}

module "mailbox" {
  source   = "./modules/mailbox-server"
  for_each = var.mailbox_servers

  name            = each.key
  processor_count = each.value.processor_count
  memory_gib      = each.value.memory_gib
  os_disk_gib     = each.value.os_disk_gib
  dynamic_memory  = each.value.dynamic_memory
  data_root       = var.data_root
}

# Edge transport server on the older host: its queue database VHD sits on a file share.
resource "hyperv_vhd" "edge01_os" {
  provider = hyperv.hv02
  path     = "D:\\Hyper-V\\EDGE01\\os.vhdx"
  vhd_type = "Fixed"
  size     = 107374182400 # 100 GiB
}

resource "hyperv_vhd" "edge01_queue" {
  provider = hyperv.hv02
  path     = "\\\\fs01.corp.example\\hyperv\\EDGE01\\queue.vhd"
  size     = 214748364800 # 200 GiB; vhd_type omitted: Dynamic
}

resource "hyperv_machine_instance" "edge01" {
  provider              = hyperv.hv02
  name                  = "EDGE01"
  generation            = 2
  processor_count       = 4
  static_memory         = true
  memory_startup_bytes  = 17179869184 # 16 GiB
  checkpoint_type       = "Disabled"
  automatic_stop_action = "ShutDown"
  notes                 = "role=exchange-edge"

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
    path                = hyperv_vhd.edge01_os.path
  }

  hard_disk_drives {
    controller_number   = 0
    controller_location = 1
    path                = hyperv_vhd.edge01_queue.path
  }

  dvd_drives {
    controller_number   = 0
    controller_location = 2
    path                = "C:\\ISO\\ExchangeServer2013-x64-cu23.iso"
  }
}

# A domain controller on hv01: not Exchange, but its processors count towards hv01's ratio.
resource "hyperv_machine_instance" "dc01" {
  name                  = "DC01"
  generation            = 2
  processor_count       = 4
  static_memory         = true
  memory_startup_bytes  = 8589934592 # 8 GiB
  automatic_stop_action = "ShutDown"
}
