# An existing integration, for the remote peers that go through it.
data "rack_incus_network_integration" "region2" {
  name = "region2"
}

output "region2_type" {
  value = data.rack_incus_network_integration.region2.type
}
