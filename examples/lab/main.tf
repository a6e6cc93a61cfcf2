# A small lab from scratch: a project, a storage pool, a volume, a profile
# and two instances. See docs/guides/small-lab.md; it runs as written on
# the mock host (`make mock MOCKFLAGS="-incus-socket /tmp/incus.sock"`).

terraform {
  required_providers {
    rack = { source = "rackform/rack" }
  }
}

variable "incus_socket" {
  description = "The Incus socket: the mock host's, or /var/lib/incus/unix.socket for the local daemon."
  type        = string
  default     = "/tmp/incus.sock"
}

variable "image" {
  description = "Image of the instances (the mock host offers rack-busybox)."
  type        = string
  default     = "rack-busybox"
}

variable "network" {
  description = "Managed bridge for the instances' NIC (incus admin init makes incusbr0); \"\" for no NIC."
  type        = string
  default     = "incusbr0"
}

provider "rack" {
  incus_remote {
    name    = "lab"
    address = "unix://${var.incus_socket}"
  }
}

# Everything of the lab lives in its own project. It keeps its own
# profiles and volumes but uses the default project's images.
resource "rack_incus_project" "lab" {
  name        = "lab"
  description = "A small lab"
  config = {
    "features.images"          = "false"
    "features.profiles"        = "true"
    "features.storage.volumes" = "true"
  }
}

# A pool of its own, in a directory Incus manages.
resource "rack_incus_storage_pool" "lab" {
  name        = "lab"
  driver      = "dir"
  description = "Disks of the lab"
}

# Data that outlives the instances.
resource "rack_incus_storage_volume" "data" {
  project     = rack_incus_project.lab.name
  pool        = rack_incus_storage_pool.lab.name
  name        = "data"
  description = "The database's files"
}

# What every lab instance gets: a root disk on the lab pool and a NIC.
resource "rack_incus_profile" "base" {
  project     = rack_incus_project.lab.name
  name        = "base"
  description = "Root disk on the lab pool, a NIC on the bridge"
  config      = { "limits.memory" = "256MiB" }
  devices = concat(
    [{ name = "root", type = "disk", properties = { path = "/", pool = rack_incus_storage_pool.lab.name } }],
    var.network == "" ? [] : [{ name = "eth0", type = "nic", properties = { network = var.network } }],
  )
}

resource "rack_incus_instance" "web" {
  project  = rack_incus_project.lab.name
  name     = "web"
  image    = var.image
  profiles = [rack_incus_profile.base.name]
}

resource "rack_incus_instance" "db" {
  project  = rack_incus_project.lab.name
  name     = "db"
  image    = var.image
  profiles = [rack_incus_profile.base.name]
  devices = [
    { name = "data", type = "disk", properties = { pool = rack_incus_storage_pool.lab.name, source = rack_incus_storage_volume.data.name, path = "/srv/data" } },
  ]
}

output "web_ipv4" {
  value = rack_incus_instance.web.ipv4_address
}
