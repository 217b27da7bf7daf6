variable "name" {
  type        = string
  description = "Server name, for example EXCH01"
}

variable "processor_count" {
  type = number
}

variable "memory_gib" {
  type        = number
  description = "Memory in GiB (the startup memory when dynamic_memory is on)"
}

variable "dynamic_memory" {
  type    = bool
  default = false
}

variable "os_disk_gib" {
  type        = number
  description = "Boot VHDX size in GiB"
}

variable "vm_root" {
  type    = string
  default = "D:\\Hyper-V"
}

variable "data_root" {
  type = string
}
