# Exchange 2013 DAG on vSphere: three mailbox servers on one ESXi host, built from one module,
# next to a utility server. Several settings here break Microsoft's support statement on purpose;
# `exvlint check examples/vsphere-exchange` reports them.
terraform {
  required_providers {
    vsphere = {
      source  = "hashicorp/vsphere"
      version = "~> 2.6"
    }
  }
}

provider "vsphere" {
  vsphere_server = var.vsphere_server
  user           = var.vsphere_user
  password       = var.vsphere_password
}

data "vsphere_datacenter" "dc" {
  name = "dc-ams01"
}

data "vsphere_compute_cluster" "prod" {
  name          = "cl-prod-01"
  datacenter_id = data.vsphere_datacenter.dc.id
}

data "vsphere_host" "esx07" {
  name          = "esx07.corp.example"
  datacenter_id = data.vsphere_datacenter.dc.id
}

data "vsphere_network" "exchange" {
  name          = "pg-exchange-vlan120"
  datacenter_id = data.vsphere_datacenter.dc.id
}

resource "vsphere_vmfs_datastore" "exch_os" {
  name           = "exch-os-lun01"
  host_system_id = data.vsphere_host.esx07.id
  disks          = ["naa.600a098038303053453f463045727a41"]
}

resource "vsphere_vmfs_datastore" "exch_db" {
  name           = "exch-db-lun01"
  host_system_id = data.vsphere_host.esx07.id
  disks          = ["naa.600a098038303053453f463045727a42"]
}

# Installation media only: an NFS datastore that holds ISO images is not Exchange storage.
resource "vsphere_nas_datastore" "iso" {
  name            = "filer01-iso"
  host_system_ids = [data.vsphere_host.esx07.id]
  type            = "NFS41"
  remote_hosts    = ["filer01.corp.example"]
  remote_path     = "/vol/iso"
}

module "mailbox" {
  source   = "./modules/exchange-server"
  for_each = var.mailbox_servers

  name               = each.key
  num_cpus           = each.value.num_cpus
  memory_mb          = each.value.memory_mb
  os_disk_gb         = each.value.os_disk_gb
  reserve_memory     = each.value.reserve_memory
  resource_pool_id   = data.vsphere_compute_cluster.prod.resource_pool_id
  host_system_id     = data.vsphere_host.esx07.id
  os_datastore_id    = vsphere_vmfs_datastore.exch_os.id
  db_datastore_id    = vsphere_vmfs_datastore.exch_db.id
  iso_datastore_id   = vsphere_nas_datastore.iso.id
  network_id         = data.vsphere_network.exchange.id
}

# Not an Exchange server, but its vCPUs count towards esx07's ratio.
resource "vsphere_virtual_machine" "util01" {
  name             = "util-01"
  resource_pool_id = data.vsphere_compute_cluster.prod.resource_pool_id
  host_system_id   = data.vsphere_host.esx07.id
  datastore_id     = vsphere_vmfs_datastore.exch_os.id
  guest_id         = "windows9Server64Guest"
  num_cpus         = 4
  memory           = 8192

  network_interface {
    network_id = data.vsphere_network.exchange.id
  }

  disk {
    label = "disk0"
    size  = 80
  }
}

# Taken before installing a cumulative update: Exchange does not support VM snapshots.
resource "vsphere_virtual_machine_snapshot" "before_cu23" {
  virtual_machine_uuid = module.mailbox["exch-mbx-01"].uuid
  snapshot_name        = "before-cu23"
  description          = "rollback point for the CU23 upgrade"
  memory               = true
  quiesce              = false
}
