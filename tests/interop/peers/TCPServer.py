# The course's TCPServer.py; usage: TCPServer.py HOST PORT
import sys
from socket import *
serverPort = int(sys.argv[2])
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind((sys.argv[1], serverPort))
serverSocket.listen(1)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    sentence = connectionSocket.recv(1024).decode()
    capitalizedSentence = sentence.upper()
    connectionSocket.send(capitalizedSentence.encode())
    connectionSocket.close()
