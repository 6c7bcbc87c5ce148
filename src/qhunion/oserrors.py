"""Operating-system errors said in Chinese: the part of a sentence that says why a file could not be read or
written (strerror is English, and users are not programmers). An errno missing here is said generically,
with its number for a technician — never in English."""

from __future__ import annotations

import errno

_NAMED = {  # by name: not every system has every errno (Windows lacks EDQUOT, ETXTBSY …)
    "EBUSY": "文件被占用",
    "ENOSPC": "磁盘已满",
    "EDQUOT": "磁盘配额已用完",
    "EROFS": "磁盘或文件夹是只读的",
    "EISDIR": "目标是一个文件夹",
    "ENOTDIR": "路径中有一部分是文件而不是文件夹",
    "EEXIST": "同名的文件或文件夹已存在",
    "ENAMETOOLONG": "文件名过长",
    "ELOOP": "路径中的快捷方式（符号链接）循环指向自身",
    "EMFILE": "同时打开的文件太多",
    "ENFILE": "系统打开的文件太多",
    "EIO": "磁盘读写出错（磁盘或 U 盘可能已损坏或被拔出）",
    "ENXIO": "设备不存在或未连接",
    "ENODEV": "设备不存在或未连接",
    "EFBIG": "文件超过系统允许的大小",
    "EINVAL": "文件名或路径无效",
    "EAGAIN": "文件暂时无法访问",
    "ETIMEDOUT": "网络或共享文件夹连接超时",
    "ESTALE": "共享文件夹中的文件已失效",
    "EXDEV": "不能跨磁盘移动文件",
    "ENOTEMPTY": "文件夹不是空的",
    "ETXTBSY": "文件正被程序使用",
    "ENOMEM": "内存不足",
    "EINTR": "操作被中断",
    "EPIPE": "输出已被关闭",
}

_REASONS = {getattr(errno, name): reason for name, reason in _NAMED.items() if hasattr(errno, name)}


def os_reason(exc: OSError, writing: bool = False) -> str:
    code = exc.errno or 0
    if code in (errno.EACCES, errno.EPERM):
        return "没有写入权限" if writing else "没有读取权限"
    if code == errno.ENOENT:
        return "文件夹不存在" if writing else "文件已不存在"
    if code in _REASONS:
        return _REASONS[code]
    if isinstance(exc, TimeoutError):
        return "操作超时"
    return f"系统错误（错误号 {code}）" if code else "系统错误"
