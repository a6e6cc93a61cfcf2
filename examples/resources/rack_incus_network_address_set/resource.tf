# The admins' machines, kept in one place (needs Incus 6.12 or later).
resource "rack_incus_network_address_set" "admins" {
  name        = "admins"
  description = "admin workstations"
  addresses   = ["198.51.100.10", "198.51.100.11", "2001:db8:100::/64"]
  config      = { "user.owner" = "netops" }
}

# ACL rules name the set as $admins. Writing it from the set's name makes
# Terraform create the set before the ACL (and delete it after).
resource "rack_incus_network_acl" "ssh" {
  name = "ssh-from-admins"
  ingress = [
    { action = "allow", source = format("$%s", rack_incus_network_address_set.admins.name), protocol = "tcp", destination_port = "22" },
  ]
}
