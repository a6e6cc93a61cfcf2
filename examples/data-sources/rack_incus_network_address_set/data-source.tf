# The entries of an existing address set.
data "rack_incus_network_address_set" "admins" {
  name = "admins"
}

output "admin_addresses" {
  value = data.rack_incus_network_address_set.admins.addresses
}
