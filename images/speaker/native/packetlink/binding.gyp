{
  "targets": [
    { "target_name": "packetlink", "sources": ["packetlink.c"], "cflags": ["-Wall", "-Wextra", "-O2", "-pthread"], "ldflags": ["-pthread"] }
  ]
}
