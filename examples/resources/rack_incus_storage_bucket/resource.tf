# Buckets need MinIO on the Incus server for a local pool (dir, btrfs, lvm,
# zfs), or a pool of driver cephobject.
resource "rack_incus_storage_bucket" "backups" {
  pool        = "default"
  name        = "backups"
  description = "Nightly backups"
  config = {
    "size" = "10GiB"
  }
}

output "backups_s3_url" {
  value = rack_incus_storage_bucket.backups.s3_url
}
