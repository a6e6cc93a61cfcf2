package bench

import "testing"

// networkStages are the kinds of BenchmarkIncusNetworks: every network
// object type, 20 of each. Bridges use 198.18.200.0/24 and up, with NAT
// off and no IPv6, as the tests' bridges do, and forwards listen on
// 198.19.250.x; nothing is sent to them. The OVN kinds and address sets
// run on the mock only (the real test daemon has no OVN and is older than
// address sets).
var networkStages = []stage{
	{kind: "network", hcl: `
resource "rack_incus_network" "n" {
  count = %[1]d
  name  = "bench-n${count.index}"
  config = {
    "ipv4.address" = "198.18.${200 + count.index}.1/24"
    "ipv4.nat"     = "false"
    "ipv6.address" = "none"
  }
}
`},
	{kind: "network acl", hcl: `
resource "rack_incus_network_acl" "a" {
  count   = %[1]d
  name    = "bench-a${count.index}"
  ingress = [{ action = "allow", protocol = "tcp", destination_port = "22" }]
}
`},
	{kind: "network zone", hcl: `
resource "rack_incus_network_zone" "z" {
  count = %[1]d
  name  = "z${count.index}.bench.example.net"
}
`},
	{kind: "network zone record", hcl: `
resource "rack_incus_network_zone_record" "r" {
  count   = %[1]d
  zone    = rack_incus_network_zone.z[count.index].name
  name    = "www"
  entries = [{ type = "A", value = "198.18.200.10" }]
}
`},
	{kind: "network forward", hcl: `
resource "rack_incus_network_forward" "f" {
  count          = %[1]d
  network        = rack_incus_network.n[count.index].name
  listen_address = "198.19.250.${10 + count.index}"
  ports          = [{ protocol = "tcp", listen_port = "80", target_address = "198.18.${200 + count.index}.10" }]
}
`},
	{kind: "network integration", hcl: `
resource "rack_incus_network_integration" "i" {
  count = %[1]d
  name  = "bench-i${count.index}"
  type  = "ovn"
}
`},
	{kind: "network address set", mockOnly: true, hcl: `
resource "rack_incus_network_address_set" "s" {
  count     = %[1]d
  name      = "bench-s${count.index}"
  addresses = ["198.18.${count.index}.0/24"]
}
`},
	{kind: "ovn uplink", mockOnly: true, hcl: `
resource "rack_incus_network" "u" {
  count = %[1]d
  name  = "bench-u${count.index}"
  config = {
    "ipv4.address" = "198.18.${230 + count.index}.1/24"
    "ipv4.nat"     = "false"
    "ipv6.address" = "none"
    "ipv4.routes"  = "198.19.${230 + count.index}.0/24"
  }
}
`},
	{kind: "ovn network", mockOnly: true, hcl: `
resource "rack_incus_network" "o" {
  count = %[1]d
  name  = "bench-o${count.index}"
  type  = "ovn"
  config = {
    "network"      = rack_incus_network.u[count.index].name
    "ipv4.address" = "10.44.${count.index}.1/24"
    "ipv6.address" = "none"
  }
}
`},
	{kind: "network load balancer", mockOnly: true, hcl: `
resource "rack_incus_network_load_balancer" "l" {
  count          = %[1]d
  network        = rack_incus_network.o[count.index].name
  listen_address = "198.19.${230 + count.index}.5"
  backends       = [{ name = "b1", target_address = "10.44.${count.index}.10", target_port = "80" }]
  ports          = [{ protocol = "tcp", listen_port = "80", target_backend = ["b1"] }]
}
`},
	{kind: "network peer", mockOnly: true, hcl: `
resource "rack_incus_network_peer" "p" {
  count          = %[1]d
  network        = rack_incus_network.o[count.index].name
  name           = "next"
  target_network = rack_incus_network.o[(count.index + 1) %% %[1]d].name
}
`},
}

// BenchmarkIncusNetworks creates 20 objects of each network type, one type
// per apply, refreshes them and destroys them, reporting the requests per
// create (target <= 2) and per refresh (target 1) of each type.
func BenchmarkIncusNetworks(b *testing.B) {
	runStagedOnHosts(b, networkStages)
}
