resource "rack_incus_storage_bucket" "backups" {
  pool = "default"
  name = "backups"
}

# Incus generates the access and secret keys; they are kept in state as
# sensitive values. Replace the resource to rotate them.
resource "rack_incus_storage_bucket_key" "backup_writer" {
  pool        = rack_incus_storage_bucket.backups.pool
  bucket      = rack_incus_storage_bucket.backups.name
  name        = "backup-writer"
  role        = "admin"
  description = "Used by the backup job"
}

output "backup_writer_access_key" {
  value     = rack_incus_storage_bucket_key.backup_writer.access_key
  sensitive = true
}

output "backup_writer_secret_key" {
  value     = rack_incus_storage_bucket_key.backup_writer.secret_key
  sensitive = true
}
