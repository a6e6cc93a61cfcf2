data "rack_incus_storage_bucket" "backups" {
  pool = "default"
  name = "backups"
}

output "backups_s3_url" {
  value = data.rack_incus_storage_bucket.backups.s3_url
}
