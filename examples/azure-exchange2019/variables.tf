variable "environment" {
  type    = string
  default = "prod"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "dag_name" {
  type    = string
  default = "DAG19"
}

variable "exchange_version" {
  description = "Exchange version and cumulative update the servers run, for example \"2019 CU15\"."
  type        = string
}

variable "admin_password" {
  type      = string
  sensitive = true
}

variable "mailbox_servers" {
  description = "Mailbox servers of the DAG, keyed by VM name."
  type = map(object({
    size            = string
    image_sku       = optional(string, "2022-datacenter-g2")
    os_disk_size_gb = optional(number, 256)
    data_disks = map(object({
      size_gb = number
      type    = optional(string, "Premium_LRS")
      lun     = number
    }))
  }))
}
