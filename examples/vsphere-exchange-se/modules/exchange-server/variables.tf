variable "name" {
  type = string
}

variable "guest_id" {
  type = string
}

variable "num_cpus" {
  type = number
}

variable "memory_mb" {
  type = number
}

variable "install_iso" {
  type = string
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

variable "log_datastore_id" {
  type = string
}

variable "iso_datastore_id" {
  type = string
}

variable "network_id" {
  type = string
}
