variable "vsphere_server" {
  type        = string
  description = "vCenter server"
  default     = "vcenter.corp.example"
}

variable "vsphere_user" {
  type = string
}

variable "vsphere_password" {
  type      = string
  sensitive = true
}

variable "mailbox_servers" {
  description = "Mailbox server name -> size"
  type = map(object({
    num_cpus       = number
    memory_mb      = number
    os_disk_gb     = number
    reserve_memory = optional(bool, true)
  }))
}
