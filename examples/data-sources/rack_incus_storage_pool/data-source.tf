data "rack_incus_storage_pool" "default" {
  name = "default"
}

output "default_pool_driver" {
  value = data.rack_incus_storage_pool.default.driver
}
