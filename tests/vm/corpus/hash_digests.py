"""hashlib, hmac and secrets: digests of fixed data, lengths of random tokens."""
import hashlib
import hmac
import secrets

data = b"the quick brown fox"
for name in ("md5", "sha1", "sha256", "sha512", "sha3_256", "blake2b"):
    print(name, hashlib.new(name, data).hexdigest()[:32])
print("sha256 via openssl:", hashlib.sha256(data).hexdigest() == hashlib.new("sha256", data).hexdigest())
print("available >= 10:", len(hashlib.algorithms_available) >= 10)
print("pbkdf2", hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 1000).hex()[:32])
print("scrypt", hashlib.scrypt(b"password", salt=b"salt", n=16, r=8, p=1, dklen=16).hex())
mac = hmac.new(b"key", data, "sha256").hexdigest()
print("hmac", mac[:32])
print("compare_digest:", hmac.compare_digest(mac, hmac.new(b"key", data, hashlib.sha256).hexdigest()))
print("token_hex length:", len(secrets.token_hex(16)))
print("token_bytes length:", len(secrets.token_bytes(24)))
print("token_urlsafe length >= 32:", len(secrets.token_urlsafe(32)) >= 32)
print("randbelow in range:", 0 <= secrets.randbelow(10) < 10)
