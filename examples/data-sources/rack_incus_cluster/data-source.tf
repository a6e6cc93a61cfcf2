# The members of the cluster, e.g. to spread instances over them.
data "rack_incus_cluster" "this" {}

resource "rack_incus_instance" "web" {
  for_each = data.rack_incus_cluster.this.enabled ? toset([for m in data.rack_incus_cluster.this.members : m.name if m.status == "Online"]) : toset([])
  name     = "web-${each.key}"
  image    = "images:debian/12"
  target   = each.key
}
