# A custom filesystem volume, mounted by an instance as a disk device.
resource "rack_incus_storage_volume" "data" {
  pool        = "default"
  name        = "data"
  description = "application data"

  config = {
    size = "20GiB"
  }
}

# A copy of another volume (made once, at creation).
resource "rack_incus_storage_volume" "data_test" {
  pool = "default"
  name = "data-test"

  source_volume = {
    name = rack_incus_storage_volume.data.name
  }
}

resource "rack_incus_instance" "app" {
  name  = "app"
  image = "debian-12"

  devices = [{
    name = "data"
    type = "disk"
    properties = {
      pool   = rack_incus_storage_volume.data.pool
      source = rack_incus_storage_volume.data.name
      path   = "/var/lib/app"
    }
  }]
}
