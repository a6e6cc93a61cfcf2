resource "rack_incus_network_zone" "lab" {
  name = "lab.example.net"
}

# www.lab.example.net: two addresses, and a TXT entry with its own TTL.
resource "rack_incus_network_zone_record" "www" {
  zone        = rack_incus_network_zone.lab.name
  name        = "www"
  description = "web front"

  entries = [
    { type = "A", value = "198.18.0.10" },
    { type = "AAAA", value = "2001:db8::10" },
    { type = "TXT", value = "\"owner=web-team\"", ttl = 3600 },
  ]
}

# The zone's own name (@): a mail exchanger.
resource "rack_incus_network_zone_record" "apex" {
  zone    = rack_incus_network_zone.lab.name
  name    = "@"
  entries = [{ type = "MX", value = "10 mail.example.net." }]
}
