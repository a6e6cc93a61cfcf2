# A container from a local image alias, started, with a limit and a disk.
resource "rack_incus_instance" "web" {
  name        = "web"
  image       = "debian-12"
  description = "front web server"

  config = {
    "limits.cpu"    = "2"
    "limits.memory" = "1GiB"
    "user.role"     = "web"
  }

  devices = [{
    name       = "data"
    type       = "disk"
    properties = { source = "/srv/web", path = "/srv" }
  }]

  # Wait for an address before dependent resources use it.
  wait_for = [{ type = "ipv4" }]

  timeouts = {
    create = "5m"
    delete = "2m"
  }
}

# A virtual machine from a public image server remote, kept stopped.
resource "rack_incus_instance" "builder" {
  name    = "builder"
  type    = "virtual-machine"
  image   = "images:debian/12"
  running = false
}

output "web_address" {
  value = rack_incus_instance.web.ipv4_address
}
