mailbox_servers = {
  "exchse-mbx-01" = { num_cpus = 8, memory_mb = 131072 }
  # moved over from the old Exchange 2013 DAG: still the Windows Server 2012 R2 template
  "exchse-mbx-02" = { num_cpus = 8, memory_mb = 131072, guest_id = "windows8Server64Guest" }
}
