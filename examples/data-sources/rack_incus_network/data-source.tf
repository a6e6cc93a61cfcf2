data "rack_incus_network" "lab" {
  name = "labbr0"
}

output "lab_ipv4" {
  value = data.rack_incus_network.lab.config["ipv4.address"]
}
