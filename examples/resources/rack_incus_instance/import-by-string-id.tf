import {
  to = rack_incus_instance.web
  id = "local:default/web"
}
