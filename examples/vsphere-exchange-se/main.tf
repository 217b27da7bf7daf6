# Exchange Server Subscription Edition on vSphere: two mailbox servers installed from the SE ISO,
# built from one module. exvlint takes the version from the ISO path, so the SE rules apply:
# `exvlint check examples/vsphere-exchange-se` finds the one server still on Windows Server 2012 R2.
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
  name          = "cl-prod-02"
  datacenter_id = data.vsphere_datacenter.dc.id
}

data "vsphere_host" "esx11" {
  name          = "esx11.corp.example"
  datacenter_id = data.vsphere_datacenter.dc.id
}

data "vsphere_network" "exchange" {
  name          = "pg-exchange-vlan130"
  datacenter_id = data.vsphere_datacenter.dc.id
}

resource "vsphere_vmfs_datastore" "exch_os" {
  name           = "exchse-os-lun01"
  host_system_id = data.vsphere_host.esx11.id
  disks          = ["naa.600a098038303053453f463045727b41"]
}

resource "vsphere_vmfs_datastore" "exch_db" {
  name           = "exchse-db-lun01"
  host_system_id = data.vsphere_host.esx11.id
  disks          = ["naa.600a098038303053453f463045727b42"]
}

resource "vsphere_vmfs_datastore" "exch_log" {
  name           = "exchse-log-lun01"
  host_system_id = data.vsphere_host.esx11.id
  disks          = ["naa.600a098038303053453f463045727b43"]
}

resource "vsphere_vmfs_datastore" "iso" {
  name           = "iso-lun01"
  host_system_id = data.vsphere_host.esx11.id
  disks          = ["naa.600a098038303053453f463045727b44"]
}

module "mailbox" {
  source   = "./modules/exchange-server"
  for_each = var.mailbox_servers

  name             = each.key
  guest_id         = each.value.guest_id
  num_cpus         = each.value.num_cpus
  memory_mb        = each.value.memory_mb
  install_iso      = var.install_iso
  resource_pool_id = data.vsphere_compute_cluster.prod.resource_pool_id
  host_system_id   = data.vsphere_host.esx11.id
  os_datastore_id  = vsphere_vmfs_datastore.exch_os.id
  db_datastore_id  = vsphere_vmfs_datastore.exch_db.id
  log_datastore_id = vsphere_vmfs_datastore.exch_log.id
  iso_datastore_id = vsphere_vmfs_datastore.iso.id
  network_id       = data.vsphere_network.exchange.id
}
