mailbox_servers = {
  EXCH01 = { processor_count = 8, memory_gib = 64, os_disk_gib = 128 }
  EXCH02 = { processor_count = 8, memory_gib = 64, os_disk_gib = 128 }
  # the lab copy: dynamic memory "to save RAM", and a small system disk
  EXCH03 = { processor_count = 4, memory_gib = 32, os_disk_gib = 40, dynamic_memory = true }
}
