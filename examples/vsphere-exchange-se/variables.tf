variable "vsphere_server" {
  type    = string
  default = "vcenter.corp.example"
}

variable "vsphere_user" {
  type    = string
  default = "svc-terraform@vsphere.local"
}

variable "vsphere_password" {
  type      = string
  sensitive = true
}

variable "install_iso" {
  description = "Exchange installation media on the ISO datastore."
  type        = string
  default     = "ISO/ExchangeServerSE-x64.iso"
}

variable "mailbox_servers" {
  description = "Mailbox servers, keyed by VM name."
  type = map(object({
    guest_id  = optional(string, "windows2019srvNext_64Guest") # Windows Server 2022
    num_cpus  = number
    memory_mb = number
  }))
}
