output "uuid" {
  description = "The VM's UUID (vsphere_virtual_machine_snapshot.virtual_machine_uuid)"
  value       = vsphere_virtual_machine.this.id
}
