"""Operating-system errors said in Chinese: the part of a sentence that says why a file could not be read or
written (strerror is English, and users are not programmers)."""

from __future__ import annotations

import errno


def os_reason(exc: OSError, writing: bool = False) -> str:
    permission = "没有写入权限" if writing else "没有读取权限"
    return {
        errno.ENOENT: "文件夹不存在" if writing else "文件已不存在",
        errno.EACCES: permission,
        errno.EPERM: permission,
        errno.EBUSY: "文件被占用",
        errno.ENOSPC: "磁盘已满",
        errno.EROFS: "磁盘或文件夹是只读的",
        errno.EISDIR: "目标是一个文件夹",
        errno.ENAMETOOLONG: "文件名过长",
    }.get(exc.errno or 0, exc.strerror or "系统错误")
