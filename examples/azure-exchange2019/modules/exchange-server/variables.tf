variable "name" {
  type = string
}

variable "size" {
  type = string
}

variable "image_sku" {
  type    = string
  default = "2022-datacenter-g2"
}

variable "os_disk_size_gb" {
  type    = number
  default = 256
}

variable "data_disks" {
  type = map(object({
    size_gb = number
    type    = optional(string, "Premium_LRS")
    lun     = number
  }))
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "admin_password" {
  type      = string
  sensitive = true
}

variable "tags" {
  type    = map(string)
  default = {}
}
