"""Deterministic generator of realistic Terraform trees for the benchmark.

A tree is a set of *sites* (root modules). A full site holds 100 resource instances across
azurerm (explicit VMs with managed disks and attachments, and a ``for_each`` module that builds
VMs with disks and an extension), vSphere (datastores and a ``count`` of VMs with disk blocks) and
Hyper-V (VHDs and machine instances), with variables, locals, outputs and a ``terraform.tfvars``.
Every value is derived from the site and server numbers, so the same size always yields the
same bytes. Some servers break Exchange rules on purpose, so the checks have work to do.

Other input formats (ARM templates, Bicep) plug in through ``EXTRA_GENERATORS``: a callable
``(site_dir: Path, site: int, plan: SitePlan) -> files written``, called for every site.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

# hook for further formats: each is called once per site and returns how many files it wrote
EXTRA_GENERATORS: list = []  # list[Callable[[Path, int, "SitePlan"], int]]


@dataclass
class SitePlan:
    azure_vms: int  # explicit VMs: VM + 2 managed disks + 2 attachments = 5 resources each
    module_vms: int  # module instances: VM + 2 disks + 2 attachments + extension = 6 each
    vsphere_vms: int  # `count` instances of one VM resource, 1 each (plus 2 datastores)
    hyperv_vms: int  # VHD + machine instance = 2 each

    @property
    def resources(self) -> int:
        return 5 * self.azure_vms + 6 * self.module_vms + (self.vsphere_vms + 2 if self.vsphere_vms else 0) \
            + 2 * self.hyperv_vms


FULL_SITE = SitePlan(azure_vms=8, module_vms=4, vsphere_vms=12, hyperv_vms=11)  # 100 resources


def plan_sites(resources: int) -> list:
    """Full sites, then one smaller site for the remainder; the total is exact."""
    plans = [FULL_SITE] * (resources // FULL_SITE.resources)
    rest = resources % FULL_SITE.resources
    if rest:
        az = rest * 2 // 5 // 5
        mod = rest // 5 // 6
        left = rest - 5 * az - 6 * mod
        hv = left // 4
        vs = left - 2 * hv - 2
        if vs < 1:  # too small for the datastores: Hyper-V takes the rest
            hv, vs = hv + (vs + 2) // 2, 0
            left = rest - 5 * az - 6 * mod - 2 * hv
            if left:  # an odd remainder: one more explicit Azure VM is too big, so trade one Hyper-V pair
                hv, vs = hv - 1, left + 2 - 2
        plans.append(SitePlan(az, mod, vs, hv))
    assert sum(p.resources for p in plans) == resources, (resources, plans)
    return plans


SIZES = ("Standard_E16s_v5", "Standard_E32s_v5", "Standard_D16s_v5", "Standard_B8ms", "Standard_E20ds_v5")
DISK_TYPES = ("Premium_LRS", "Premium_LRS", "Premium_ZRS", "Standard_LRS", "PremiumV2_LRS")
IMAGES = ("2019-Datacenter", "2022-datacenter-azure-edition", "2016-Datacenter", "2012-R2-Datacenter")

VERSIONS_TF = '''terraform {
  required_version = ">= 1.5"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
    vsphere = {
      source  = "hashicorp/vsphere"
      version = "~> 2.6"
    }
    hyperv = {
      source  = "taliesins/hyperv"
      version = "~> 1.2"
    }
  }
}

provider "azurerm" {
  features {}
}

provider "vsphere" {
  vsphere_server = var.vsphere_server
  user           = var.vsphere_user
  password       = var.vsphere_password
}

provider "hyperv" {
  host     = "hv-{site}.corp.example"
  user     = var.hyperv_user
  password = var.hyperv_password
  https    = true
}
'''

VARIABLES_TF = '''variable "environment" {
  type    = string
  default = "prod"
}

variable "location" {
  type        = string
  description = "Azure region of site {site}"
  default     = "westeurope"
}

variable "vsphere_server" {
  type    = string
  default = "vcenter-{site}.corp.example"
}

variable "vsphere_user" {
  type    = string
  default = "svc-terraform"
}

variable "vsphere_password" {
  type      = string
  sensitive = true
  default   = ""
}

variable "hyperv_user" {
  type    = string
  default = "CORP\\\\svc-hyperv"
}

variable "hyperv_password" {
  type      = string
  sensitive = true
  default   = ""
}

variable "dag_servers" {
  description = "Mailbox servers of the database availability group"
  type = map(object({
    size      = string
    image_sku = string
    disks = map(object({
      type = string
      size = number
      lun  = number
    }))
  }))
  default = {}
}

variable "vsphere_vm_count" {
  type    = number
  default = 0
}

variable "vsphere_cpus" {
  type    = list(number)
  default = [4, 8, 16, 24]
}
'''

LOCALS_TF = '''locals {
  prefix = "exch-${var.environment}-{site}"
  common_tags = {
    environment = var.environment
    site        = "{site}"
    owner       = "messaging-team"
    role        = "exchange-mailbox"
  }
  gib         = 1073741824
  db_disk_gb  = 1024
  log_disk_gb = 256
  image = {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
  }
}

resource "azurerm_resource_group" "exchange" {
  count    = 0
  name     = "rg-${local.prefix}"
  location = var.location
  tags     = local.common_tags
}
'''

MODULE_MAIN_TF = '''resource "azurerm_windows_virtual_machine" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  size                = var.size
  admin_username      = "exadmin"
  admin_password      = var.admin_password
  tags                = merge(var.tags, { name = var.name })

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 256
  }

  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = var.image_sku
    version   = "latest"
  }
}

resource "azurerm_managed_disk" "data" {
  for_each             = var.disks
  name                 = "${var.name}-${each.key}"
  location             = var.location
  resource_group_name  = var.resource_group_name
  storage_account_type = each.value.type
  create_option        = "Empty"
  disk_size_gb         = each.value.size
}

resource "azurerm_virtual_machine_data_disk_attachment" "data" {
  for_each           = var.disks
  managed_disk_id    = azurerm_managed_disk.data[each.key].id
  virtual_machine_id = azurerm_windows_virtual_machine.this.id
  lun                = each.value.lun
  caching            = each.value.type == "Premium_LRS" ? "ReadOnly" : "None"
}

resource "azurerm_virtual_machine_extension" "exchange" {
  name                 = "install-exchange"
  virtual_machine_id   = azurerm_windows_virtual_machine.this.id
  publisher            = "Microsoft.Powershell"
  type                 = "DSC"
  type_handler_version = "2.83"
  settings = jsonencode({
    configurationFunction = "ExchangeInstall.ps1\\\\InstallExchange"
    properties = {
      databases = [for k, d in var.disks : k if d.lun > 0]
    }
  })
}
'''

MODULE_VARIABLES_TF = '''variable "name" {
  type = string
}

variable "size" {
  type = string
}

variable "image_sku" {
  type    = string
  default = "2019-Datacenter"
}

variable "disks" {
  type = map(object({
    type = string
    size = number
    lun  = number
  }))
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "admin_password" {
  type      = string
  sensitive = true
  default   = null
}

variable "tags" {
  type    = map(string)
  default = {}
}
'''

MODULE_OUTPUTS_TF = '''output "vm_id" {
  value = azurerm_windows_virtual_machine.this.id
}

output "disk_ids" {
  value = { for k, d in azurerm_managed_disk.data : k => d.id }
}
'''


def azure_vm(site: int, n: int) -> str:
    size = SIZES[(site + n) % len(SIZES)]
    image = IMAGES[(site * 3 + n) % len(IMAGES)]
    log_type = DISK_TYPES[(site + 2 * n) % len(DISK_TYPES)]
    name = f"mbx{n:02d}"
    return f'''# Mailbox server {n} of site {site}
resource "azurerm_windows_virtual_machine" "{name}" {{
  name                = "${{local.prefix}}-{name}"
  resource_group_name = "rg-${{local.prefix}}"
  location            = var.location
  size                = "{size}"
  admin_username      = "exadmin"
  admin_password      = var.hyperv_password
  tags                = merge(local.common_tags, {{ server = "{name}" }})

  os_disk {{
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 256
  }}

  source_image_reference {{
    publisher = local.image.publisher
    offer     = local.image.offer
    sku       = "{image}"
    version   = "latest"
  }}
}}

resource "azurerm_managed_disk" "{name}_db" {{
  name                 = "${{local.prefix}}-{name}-db"
  location             = var.location
  resource_group_name  = "rg-${{local.prefix}}"
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = local.db_disk_gb
}}

resource "azurerm_managed_disk" "{name}_log" {{
  name                 = "${{local.prefix}}-{name}-log"
  location             = var.location
  resource_group_name  = "rg-${{local.prefix}}"
  storage_account_type = "{log_type}"
  create_option        = "Empty"
  disk_size_gb         = local.log_disk_gb
}}

resource "azurerm_virtual_machine_data_disk_attachment" "{name}_db" {{
  managed_disk_id    = azurerm_managed_disk.{name}_db.id
  virtual_machine_id = azurerm_windows_virtual_machine.{name}.id
  lun                = 0
  caching            = "ReadOnly"
}}

resource "azurerm_virtual_machine_data_disk_attachment" "{name}_log" {{
  managed_disk_id    = azurerm_managed_disk.{name}_log.id
  virtual_machine_id = azurerm_windows_virtual_machine.{name}.id
  lun                = 1
  caching            = "None"
}}

'''


def dag_tf(site: int, count: int) -> str:
    if not count:
        return ""
    return '''module "dag" {
  source   = "./modules/azure-server"
  for_each = var.dag_servers

  name                = "${local.prefix}-${each.key}"
  size                = each.value.size
  image_sku           = each.value.image_sku
  disks               = each.value.disks
  resource_group_name = "rg-${local.prefix}"
  location            = var.location
  admin_password      = var.hyperv_password
  tags                = merge(local.common_tags, { dag = "DAG-%d" })
}

output "dag_vm_ids" {
  value = { for k, m in module.dag : k => m.vm_id }
}
''' % site


def tfvars(site: int, plan: SitePlan) -> str:
    lines = [f'environment = "{("prod", "test", "dr")[site % 3]}"', f"vsphere_vm_count = {plan.vsphere_vms}",
             "dag_servers = {"]
    for n in range(plan.module_vms):
        size = SIZES[(site + n + 1) % len(SIZES)]
        log_type = DISK_TYPES[(site + n) % len(DISK_TYPES)]
        lines.append(f'''  "dag{n:02d}" = {{
    size      = "{size}"
    image_sku = "{IMAGES[(site + n) % len(IMAGES)]}"
    disks = {{
      db  = {{ type = "Premium_LRS", size = 2048, lun = 0 }}
      log = {{ type = "{log_type}", size = 512, lun = 1 }}
    }}
  }}''')
    lines.append("}")
    return "\n".join(lines) + "\n"


def vsphere_tf(site: int, plan: SitePlan) -> str:
    if not plan.vsphere_vms:
        return ""
    return f'''data "vsphere_datacenter" "dc" {{
  name = "dc-{site:03d}"
}}

data "vsphere_compute_cluster" "prod" {{
  name          = "cl-prod-{site:03d}"
  datacenter_id = data.vsphere_datacenter.dc.id
}}

data "vsphere_host" "esx" {{
  name          = "esx-{site:03d}.corp.example"
  datacenter_id = data.vsphere_datacenter.dc.id
}}

resource "vsphere_vmfs_datastore" "exch_os" {{
  name           = "exch-os-{site:03d}"
  host_system_id = data.vsphere_host.esx.id
  disks          = ["naa.600a0980383030534{site:07d}1"]
}}

resource "vsphere_nas_datastore" "exch_db" {{
  name            = "exch-db-{site:03d}"
  host_system_ids = [data.vsphere_host.esx.id]
  type            = "{("NFS41", "NFS")[site % 2]}"
  remote_hosts    = ["filer{site:03d}.corp.example"]
  remote_path     = "/vol/exchange"
}}

resource "vsphere_virtual_machine" "mbx" {{
  count            = var.vsphere_vm_count
  name             = format("vmbx-%03d-%02d", {site}, count.index)
  resource_pool_id = data.vsphere_compute_cluster.prod.resource_pool_id
  host_system_id   = data.vsphere_host.esx.id
  datastore_id     = vsphere_vmfs_datastore.exch_os.id
  guest_id         = "windows2019srv_64Guest"
  num_cpus         = element(var.vsphere_cpus, count.index)
  memory           = 65536 * (count.index % 2 + 1)
  memory_reservation = count.index % 3 == 0 ? 0 : 65536
  cpu_hot_add_enabled = count.index % 4 == 1
  annotation       = <<-EOT
    role=exchange-mailbox
    site=${{local.prefix}}
  EOT

  network_interface {{
    network_id = "dvportgroup-{site}"
  }}

  disk {{
    label            = "os"
    size             = 200
    thin_provisioned = false
  }}

  disk {{
    label            = "db"
    size             = 2048
    datastore_id     = vsphere_nas_datastore.exch_db.id
    thin_provisioned = count.index % 5 == 0
    unit_number      = 1
  }}
}}
'''


def hyperv_tf(site: int, plan: SitePlan) -> str:
    out = []
    for n in range(plan.hyperv_vms):
        name = f"hv{n:02d}"
        dynamic = "true" if (site + n) % 6 == 0 else "false"
        vhd_type = ("Fixed", "Dynamic", "Fixed", "Differencing")[(site + n) % 4]
        out.append(f'''resource "hyperv_vhd" "{name}_db" {{
  path     = "D:\\\\Hyper-V\\\\${{local.prefix}}-{name}\\\\db.vhdx"
  vhd_type = "{vhd_type}"
  size     = 2048 * local.gib
}}

resource "hyperv_machine_instance" "{name}" {{
  name                 = "${{local.prefix}}-{name}"
  generation           = 2
  processor_count      = {4 + (n % 4) * 4}
  dynamic_memory       = {dynamic}
  static_memory        = !{dynamic}
  memory_startup_bytes = {32 + n % 3 * 32} * local.gib
  checkpoint_type      = "{("Disabled", "Production", "Standard")[(site + n) % 3]}"
  notes                = "role=exchange-mailbox"

  hard_disk_drives {{
    controller_number   = 0
    controller_location = 1
    path                = hyperv_vhd.{name}_db.path
  }}
}}
''')
    return "\n".join(out)


def write_site(base: Path, site: int, plan: SitePlan) -> int:
    """Write one root module; returns the number of files written."""
    root = base / f"site{site:04d}"
    root.mkdir(parents=True)
    files = {
        "versions.tf": VERSIONS_TF.replace("{site}", str(site)),
        "variables.tf": VARIABLES_TF.replace("{site}", str(site)),
        "locals.tf": LOCALS_TF.replace("{site}", f"{site:04d}"),
        "terraform.tfvars": tfvars(site, plan),
        "azure.tf": "".join(azure_vm(site, n) for n in range(plan.azure_vms)),
        "dag.tf": dag_tf(site, plan.module_vms),
        "vsphere.tf": vsphere_tf(site, plan),
        "hyperv.tf": hyperv_tf(site, plan),
    }
    written = 0
    for name, text in files.items():
        if text:
            (root / name).write_text(text)
            written += 1
    if plan.module_vms:
        mod = root / "modules" / "azure-server"
        mod.mkdir(parents=True)
        (mod / "main.tf").write_text(MODULE_MAIN_TF)
        (mod / "variables.tf").write_text(MODULE_VARIABLES_TF)
        (mod / "outputs.tf").write_text(MODULE_OUTPUTS_TF)
        written += 3
    for extra in EXTRA_GENERATORS:
        written += extra(root, site, plan)
    return written


def generate_tree(base: Path, resources: int) -> int:
    """A tree of ``resources`` resource instances under ``base``; returns the number of files."""
    return sum(write_site(base, i, plan) for i, plan in enumerate(plan_sites(resources)))


def single_file_group(g: int) -> str:
    """12 resource instances in one group: an Azure VM with counted disks, a vSphere VM count, Hyper-V."""
    size = SIZES[g % len(SIZES)]
    disk_type = DISK_TYPES[g % len(DISK_TYPES)]
    return f'''resource "azurerm_windows_virtual_machine" "vm{g}" {{
  name                = "exch-{g:05d}"
  resource_group_name = "rg-exchange"
  location            = var.location
  size                = "{size}"
  admin_username      = "exadmin"
  tags                = local.tags
  os_disk {{
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }}
  source_image_reference {{
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "{IMAGES[g % len(IMAGES)]}"
    version   = "latest"
  }}
}}
resource "azurerm_managed_disk" "d{g}" {{
  count                = 2
  name                 = "exch-{g:05d}-${{count.index}}"
  location             = var.location
  resource_group_name  = "rg-exchange"
  storage_account_type = count.index == 1 ? "{disk_type}" : "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 1024
}}
resource "azurerm_virtual_machine_data_disk_attachment" "d{g}" {{
  count              = 2
  managed_disk_id    = azurerm_managed_disk.d{g}[count.index].id
  virtual_machine_id = azurerm_windows_virtual_machine.vm{g}.id
  lun                = count.index
  caching            = "ReadOnly"
}}
resource "vsphere_virtual_machine" "v{g}" {{
  count            = 4
  name             = "v-{g:05d}-${{count.index}}"
  resource_pool_id = "pool-1"
  num_cpus         = {4 * (1 + g % 6)}
  memory           = 65536
  memory_reservation = {(0, 65536)[g % 2]}
  disk {{
    label = "os"
    size  = 200
  }}
}}
resource "hyperv_machine_instance" "h{g}" {{
  count                = 3
  name                 = "h-{g:05d}-${{count.index}}"
  processor_count      = {8 + g % 3 * 8}
  dynamic_memory       = {("false", "true")[g % 7 == 0]}
  memory_startup_bytes = 34359738368
}}
'''


SINGLE_FILE_HEADER = '''variable "location" {
  default = "westeurope"
}

locals {
  tags = { role = "exchange-mailbox", owner = "messaging-team" }
}

'''


def generate_single_file(base: Path, resources: int) -> int:
    """One ``main.tf`` with ``resources`` resource instances (a multiple of 12)."""
    groups = resources // 12
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "main.tf", "w") as fh:
        fh.write(SINGLE_FILE_HEADER)
        for g in range(groups):
            fh.write(single_file_group(g))
    return 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--resources", type=int, default=300)
    ap.add_argument("--single-file", action="store_true")
    args = ap.parse_args()
    make = generate_single_file if args.single_file else generate_tree
    files = make(args.directory, args.resources)
    print(f"{args.resources} resources in {files} files under {args.directory}")


if __name__ == "__main__":
    main()
