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

# Day two: files uploaded before the first start, cloud-init waited for,
# then commands run in the instance.
resource "rack_incus_instance" "app" {
  name  = "app"
  image = "images:debian/12/cloud"

  config = {
    "cloud-init.user-data" = <<-EOT
      #cloud-config
      packages: [nginx]
    EOT
  }

  files = [
    {
      target_path        = "/etc/app/app.conf"
      content            = "listen = 8080\n"
      mode               = "0640"
      create_directories = true
    },
    {
      # Streamed from disk; editing the local file uploads it again.
      target_path = "/usr/local/bin/app"
      source_path = "${path.module}/app"
      mode        = "0755"
    },
    { target_path = "/var/lib/app", type = "directory" },
    { target_path = "/etc/app/current", type = "symlink", content = "/etc/app/app.conf" },
  ]

  wait_for = [{ type = "cloud-init" }]

  execs = {
    "10-migrate" = {
      command       = ["/usr/local/bin/app", "migrate"]
      environment   = { APP_ENV = "production" }
      working_dir   = "/var/lib/app"
      timeout       = "5m"
      record_output = true
    }
    "20-reload" = {
      command = ["systemctl", "reload", "nginx"]
      trigger = "on_change"
    }
    "30-warm" = {
      command       = ["sh", "-c", "curl -fsS http://127.0.0.1:8080/ >/dev/null"]
      trigger       = "on_start"
      fail_on_error = false
    }
  }
}

output "migrate_output" {
  value = rack_incus_instance.app.execs["10-migrate"].stdout
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
