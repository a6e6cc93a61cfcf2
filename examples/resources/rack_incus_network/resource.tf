# A bridge with a fixed subnet and no NAT.
resource "rack_incus_network" "lab" {
  name        = "labbr0"
  description = "lab bridge"

  config = {
    "ipv4.address" = "198.18.10.1/24"
    "ipv4.nat"     = "false"
    "ipv6.address" = "none"
  }
}

# A bridge whose IPv4 subnet Incus picks: `auto` stays `auto` in state, and
# updates keep the subnet Incus chose.
resource "rack_incus_network" "auto" {
  name = "autobr0"

  config = {
    "ipv4.address" = "auto"
    "ipv6.address" = "none"
  }
}

# Instances get a NIC on the bridge through a profile.
resource "rack_incus_profile" "lab" {
  name = "lab"

  devices = [{
    name       = "eth0"
    type       = "nic"
    properties = { network = rack_incus_network.lab.name, name = "eth0" }
  }]
}

# On a cluster, each member's own config (here the uplink of a macvlan
# network) is given per member; the network is defined on each, then created.
resource "rack_incus_network" "uplink" {
  name = "uplink"
  type = "macvlan"

  member_config = {
    node1 = { parent = "eno1" }
    node2 = { parent = "eno2" }
  }
}
