data "rack_incus_network_zone" "lab" {
  name = "lab.example.net"
}

output "lab_zone_networks" {
  value = data.rack_incus_network_zone.lab.used_by
}
