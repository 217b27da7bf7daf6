variable "name" {
  type        = string
  description = "Server name, for example exch-mbx-01"
}

variable "num_cpus" {
  type = number
}

variable "memory_mb" {
  type        = number
  description = "Memory in MB"
}

variable "os_disk_gb" {
  type        = number
  description = "OS disk size in GB"
}

variable "reserve_memory" {
  type        = bool
  description = "Reserve all of the VM's memory, so that ESXi never balloons or swaps it"
  default     = true
}

variable "resource_pool_id" {
  type = string
}

variable "host_system_id" {
  type = string
}

variable "os_datastore_id" {
  type = string
}

variable "db_datastore_id" {
  type = string
}

variable "iso_datastore_id" {
  type = string
}

variable "network_id" {
  type = string
}
