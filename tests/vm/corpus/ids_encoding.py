"""Deterministic ids and binary encodings: uuid3/5, base64, struct, array, crc32, zlib."""
import array
import base64
import binascii
import struct
import uuid
import zlib

print("uuid5:", uuid.uuid5(uuid.NAMESPACE_DNS, "example.com"))
print("uuid3:", uuid.uuid3(uuid.NAMESPACE_URL, "https://example.com/x"))
print("uuid4 version:", uuid.uuid4().version)
print("parse:", uuid.UUID("12345678-1234-5678-1234-567812345678").int % 1000)
data = "payload ✓".encode()
print("b64:", base64.b64encode(data).decode(), "urlsafe:", base64.urlsafe_b64encode(b"\xfb\xff").decode())
print("b32:", base64.b32encode(b"hi").decode(), "b85:", base64.b85encode(b"hello").decode())
print("hex:", binascii.hexlify(data, "-").decode())
packed = struct.pack("<IhqdI?", 7, -2, 2**40, 1.5, 0xDEADBEEF, True)
print("struct:", len(packed), struct.unpack("<IhqdI?", packed))
print("network order:", struct.pack("!H", 8080).hex())
a = array.array("d", [1.0, 2.5, -3.25])
a.append(4.0)
print("array:", a.tolist(), a.itemsize, len(a.tobytes()))
print("crc32:", hex(binascii.crc32(data)), "adler32:", zlib.adler32(data))
comp = zlib.compress(b"abc" * 1000, 9)
print("zlib:", len(comp) < 100, len(zlib.decompress(comp)))
print("memoryview:", bytes(memoryview(b"abcdef")[1:4]))
print("int bytes:", (1024).to_bytes(4, "big").hex(), int.from_bytes(b"\x01\x00", "little"))
