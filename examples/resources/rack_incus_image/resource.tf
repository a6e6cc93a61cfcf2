# Publish a stopped instance as an image, under two aliases.
resource "rack_incus_instance" "golden" {
  name    = "golden"
  image   = "debian-12"
  running = false
}

resource "rack_incus_image" "golden" {
  source_instance = { name = rack_incus_instance.golden.name }
  aliases         = ["golden", "golden/v1"]
  description     = "golden image"

  # Publishing a large instance takes a while.
  timeouts = {
    create = "30m"
  }
}

# Upload a local unified image tarball (streamed, never read whole into
# memory). A new file content replaces the image.
resource "rack_incus_image" "appliance" {
  source_file = { data_path = "${path.module}/appliance.tar.gz" }
  aliases     = ["appliance"]
}

# A split image: metadata tarball and root file system.
resource "rack_incus_image" "split" {
  source_file = {
    metadata_path = "${path.module}/meta.tar.xz"
    data_path     = "${path.module}/rootfs.squashfs"
  }
  aliases = ["split"]
}

# Copy an image from a public image server remote, with its aliases, and
# keep it up to date.
resource "rack_incus_image" "alpine" {
  source_image = {
    remote       = "images"
    name         = "alpine/3.20"
    copy_aliases = true
  }
  auto_update = true
}
