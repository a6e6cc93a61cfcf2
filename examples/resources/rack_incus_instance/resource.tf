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

# A copy of web's snapshot "before-upgrade" (taken with rack_incus_instance_snapshot
# or `incus snapshot create`), in the same remote. The copy takes this
# resource's config and devices, not web's.
resource "rack_incus_instance" "web_test" {
  name = "web-test"
  source_instance = {
    name     = rack_incus_instance.web.name
    snapshot = "before-upgrade"
  }
  config = { "user.role" = "test" }
}

# An instance restored from a backup made with `incus export web web.tar.gz`.
# The file is streamed to Incus; a new file (another SHA-256) replaces the instance.
resource "rack_incus_instance" "web_restored" {
  name        = "web-restored"
  source_file = "${path.module}/web.tar.gz"
}

# A new image rebuilds this instance in place (name, config and volumes kept),
# and changes Incus refuses on the running instance restart it.
resource "rack_incus_instance" "worker" {
  name              = "worker"
  image             = "debian-12"
  image_change      = "rebuild"
  restart_on_change = true
}

output "web_address" {
  value = rack_incus_instance.web.ipv4_address
}
