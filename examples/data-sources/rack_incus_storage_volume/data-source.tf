data "rack_incus_storage_volume" "data" {
  pool = "default"
  name = "data"
}

output "data_used_by" {
  value = data.rack_incus_storage_volume.data.used_by
}
