# Upload an installer ISO to the PiKVM's virtual media storage. The file is
# streamed; a new file content replaces the image.
resource "rack_pikvm_msd_image" "debian" {
  pikvm  = "node1"
  name   = "debian-12.8.0-amd64-netinst.iso"
  source = "${path.module}/isos/debian-12.8.0-amd64-netinst.iso"

  timeouts = {
    create = "30m"
  }
}
