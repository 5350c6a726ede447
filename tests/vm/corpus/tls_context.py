"""The TLS configuration a client would use: ssl.create_default_context() and its CA store."""
import ssl

ctx = ssl.create_default_context()
print("verify_mode:", ctx.verify_mode.name)
print("check_hostname:", ctx.check_hostname)
print("minimum_version:", ctx.minimum_version.name)
print("no SSLv3:", bool(ctx.options & ssl.OP_NO_SSLv3))
print("CA certificates loaded:", ctx.cert_store_stats()["x509_ca"] > 0)
paths = ssl.get_default_verify_paths()
print("default cafile set:", paths.openssl_cafile.endswith("cert.pem"))
print("has SNI:", ssl.HAS_SNI, "has TLSv1.3:", ssl.HAS_TLSv1_3)
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
print("server verify_mode:", server.verify_mode.name)
print("ciphers available:", len(ctx.get_ciphers()) > 0)
