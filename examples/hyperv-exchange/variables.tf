variable "hyperv_user" {
  type        = string
  description = "Account with Hyper-V administrator rights on both hosts"
}

variable "hyperv_password" {
  type      = string
  sensitive = true
}

variable "data_root" {
  type        = string
  description = "Folder for the database and log VHDX files on hv01"
  default     = "E:\\Exchange"
}

variable "mailbox_servers" {
  description = "Mailbox server name -> size"
  type = map(object({
    processor_count = number
    memory_gib      = number
    os_disk_gib     = number
    dynamic_memory  = optional(bool, false)
  }))
}
