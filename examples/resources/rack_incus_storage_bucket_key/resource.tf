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

# Or give the keys yourself, write-only (Terraform 1.11 or later): they are
# sent to Incus but never stored in plan or state, and access_key and
# secret_key stay null. Bump keys_wo_version to send new keys (a rotation
# in place).
variable "restore_access_key" {
  type      = string
  ephemeral = true
}

variable "restore_secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "rack_incus_storage_bucket_key" "restore_reader" {
  pool            = rack_incus_storage_bucket.backups.pool
  bucket          = rack_incus_storage_bucket.backups.name
  name            = "restore-reader"
  access_key_wo   = var.restore_access_key
  secret_key_wo   = var.restore_secret_key
  keys_wo_version = 1
}
