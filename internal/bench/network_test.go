package bench

import "testing"

// networkStages are the kinds of BenchmarkIncusNetworks: every network
// object type, 20 of each. Bridges use 198.18.200.0/24 and up, with NAT
// off and no IPv6, as the tests' bridges do; nothing is sent to them.
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
}

// BenchmarkIncusNetworks creates 20 objects of each network type, one type
// per apply, refreshes them and destroys them, reporting the requests per
// create (target <= 2) and per refresh (target 1) of each type.
func BenchmarkIncusNetworks(b *testing.B) {
	runStagedOnHosts(b, networkStages)
}
