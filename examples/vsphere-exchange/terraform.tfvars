mailbox_servers = {
  "exch-mbx-01" = { num_cpus = 8, memory_mb = 65536, os_disk_gb = 120 }
  "exch-mbx-02" = { num_cpus = 8, memory_mb = 65536, os_disk_gb = 120 }
  # added later for the archive databases; cloned from a smaller template
  "exch-mbx-03" = { num_cpus = 8, memory_mb = 49152, os_disk_gb = 60, reserve_memory = false }
}
